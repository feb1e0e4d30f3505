// Clipboard transfers, the steps before delivery: read the items the caller supplied, inspect their
// real type from the bytes, decide each against the rules, and sanitise what may cross. Pure of
// I/O apart from the sanitisers; the broker runs these steps and the audit.
import type { BrokerSettings, Config, Level } from '../contract/config.js';
import type { ClipboardItem, ItemReport } from '../contract/methods.js';
import { detectType, isKnownType, normaliseMime } from '../inspect/index.js';
import { decide } from '../policy/index.js';
import type { SanitiseContext } from '../sanitise/index.js';
import { sanitiseBytes } from './sanitise.js';
import { sha256 } from './steps.js';

export interface InspectedItem {
  bytes: Buffer;
  report: ItemReport;
  sanitiser?: string;
}

/**
 * The type the rules see. Binary content: the detected type, whatever was declared. Text: the
 * declared text type when it is a known one (text/html pasted as HTML is sanitised as HTML; a
 * snippet that merely looks like markup but is offered as text/plain stays plain text), else
 * text/plain. A declaration the bytes contradict is reported.
 */
export async function inspectClipboardItem(
  item: ClipboardItem,
  config: Config,
  from: Level,
  to: Level,
): Promise<InspectedItem> {
  const bytes = Buffer.from(item.data, 'base64');
  const declared = normaliseMime(item.type);
  const detected = await detectType(bytes);
  let type = detected.type;
  let typeMismatch: string | undefined;
  if (detected.text && declared.startsWith('text/') && isKnownType(declared)) {
    type = declared;
  } else if (declared !== detected.type) {
    typeMismatch = `declared ${declared} but the bytes are ${detected.type}`;
  }
  const { decision, rule } = decide(config, {
    kind: 'clipboard',
    from: from.id,
    to: to.id,
    type,
    size: bytes.length,
  });
  const report: ItemReport = {
    declaredType: declared,
    type,
    size: bytes.length,
    sha256: sha256(bytes),
    decision,
    ...(typeMismatch ? { typeMismatch } : {}),
  };
  return { bytes, report, ...(rule?.sanitise ? { sanitiser: rule.sanitise } : {}) };
}

/** Runs each item's sanitiser; what it returns is what crosses. Refused whole on any failure. */
export async function sanitiseClipboard(
  items: InspectedItem[],
  settings: BrokerSettings,
  context?: SanitiseContext,
): Promise<ClipboardItem[]> {
  const out: ClipboardItem[] = [];
  for (const item of items) {
    if (!item.sanitiser) {
      out.push({ type: item.report.type, data: item.bytes.toString('base64') });
      continue;
    }
    const result = await sanitiseBytes(
      item.sanitiser,
      item.bytes,
      item.report.type,
      settings,
      context,
    );
    item.report.sanitised = result.report;
    out.push({ type: result.type, data: Buffer.from(result.bytes).toString('base64') });
  }
  return out;
}
