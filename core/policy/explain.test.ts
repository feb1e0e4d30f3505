import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfigFile } from '../config/load.js';
import { parseConfig } from '../config/parse.js';
import { explain } from './explain.js';

const loaded = parseConfig({ file: 'config.yaml', text: readFileSync(defaultConfigFile, 'utf8') });

describe('policy', () => {
  describe('explain', () => {
    it('names the deciding rule, its fields and where it was written', () => {
      const text = explain(
        loaded.config,
        { kind: 'file', from: 'internet', to: 'office', type: 'application/pdf', size: 1000 },
        loaded.origins,
      );
      expect(text).toContain('decision: ask (rule pdf-up)');
      expect(text).toContain('rule pdf-up (config.yaml:92)');
      expect(text).toContain('  maxBytes: 104857600');
      expect(text).toContain(
        '  images-up (config.yaml:84): its types (image/png, image/jpeg, image/gif, image/webp) do not include application/pdf',
      );
      expect(text).toContain('  text-up (config.yaml:58): its kind is clipboard, not file');
    });

    it('says why each rule was passed over when none matched', () => {
      const text = explain(loaded.config, {
        kind: 'clipboard',
        from: 'internet',
        to: 'office',
        type: 'image/png',
        size: 1,
      });
      expect(text).toContain('decision: deny (rule default-deny)');
      expect(text).toContain('no rule matched:');
      expect(text).toContain(
        '  clipboard-down-denied: it goes down, and office (rank 1) is not below internet (rank 0)',
      );
    });
  });
});
