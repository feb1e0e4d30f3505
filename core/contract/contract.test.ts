import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Config } from './config.js';
import { methods } from './methods.js';

describe('contract', () => {
  describe('the configuration schema', () => {
    it('accepts the embedded default', () => {
      const text = readFileSync(
        new URL('../../assets/default-config.yaml', import.meta.url),
        'utf8',
      );
      const config = Config.parse(parse(text));
      expect(config.levels.map((l) => l.id)).toEqual(['internet', 'office', 'restricted']);
    });

    it('refuses a misspelt key instead of ignoring it', () => {
      const result = Config.safeParse({
        levels: [{ id: 'a', label: 'A', colour: '#000000', rank: 0, alow: true }],
      });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
    });

    it('refuses a rule kind that is not clipboard or file', () => {
      const result = Config.safeParse({
        levels: [{ id: 'a', label: 'A', colour: '#000000', rank: 0 }],
        rules: [
          { id: 'r', kind: 'clipbaord', from: '*', to: 'up', types: ['*/*'], action: 'allow' },
        ],
      });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('rules.0.kind');
    });
  });

  describe('the method table', () => {
    it('serves transfers to users only, approvals to administrators, the audit log to administrators and auditors', () => {
      expect(methods['clipboard.send'].roles).toEqual(['user']);
      expect(methods['approvals.approve'].roles).toEqual(['admin']);
      expect(methods['config.apply'].roles).toEqual(['admin']);
      expect(methods['audit.verify'].roles).toEqual(['admin', 'auditor']);
    });

    it('serves running commands inside a level on the admin socket only, never to a shell login', () => {
      expect(methods['compartments.run'].adminSocketOnly).toBe(true);
      const open = Object.entries(methods).filter(([, m]) => m.adminSocketOnly);
      expect(open.map(([name]) => name)).toEqual(['compartments.run']);
    });
  });
});
