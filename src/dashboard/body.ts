/**
 * How a job body is shown. Bodies are untrusted: the page only ever sets them as text; here they
 * are classified (JSON pretty-printed, UTF-8 text as is, anything else as a hex dump) and cut to
 * a size a page can hold.
 * @internal
 * @module
 */

/** A body ready to show as text. @internal */
export interface ShownBody {
  readonly kind: 'json' | 'text' | 'binary' | 'none';
  /** The text to show (pretty JSON, the text, or a hex dump). */
  readonly text: string;
  /** The body's size in bytes. */
  readonly bytes: number;
  /** Whether `text` shows only the start of the body. */
  readonly truncated: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
// Control characters other than tab, newline and carriage return make a body binary.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function hexDump(bytes: Buffer): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/**
 * Classifies and formats a body; at most `limit` bytes are shown.
 * @internal
 */
export function showBody(body: Buffer | string | null, limit = 64 * 1024): ShownBody {
  if (body === null) return { kind: 'none', text: '', bytes: 0, truncated: false };
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const truncated = bytes.length > limit;
  const shown = truncated ? bytes.subarray(0, limit) : bytes;
  let text: string;
  try {
    text = decoder.decode(shown);
  } catch {
    // A cut in the middle of a character is still text: retry without the last 3 bytes.
    try {
      if (!truncated) throw new Error('not UTF-8');
      text = decoder.decode(shown.subarray(0, Math.max(0, shown.length - 3)));
    } catch {
      return {
        kind: 'binary',
        text: hexDump(shown.subarray(0, Math.min(shown.length, 4096))),
        bytes: bytes.length,
        truncated: bytes.length > 4096,
      };
    }
  }
  if (CONTROL.test(text))
    return {
      kind: 'binary',
      text: hexDump(shown.subarray(0, Math.min(shown.length, 4096))),
      bytes: bytes.length,
      truncated: bytes.length > 4096,
    };
  if (!truncated && /^\s*[[{"]/.test(text))
    try {
      return {
        kind: 'json',
        text: JSON.stringify(JSON.parse(text), null, 2),
        bytes: bytes.length,
        truncated,
      };
    } catch {
      // Not JSON after all: plain text.
    }
  return { kind: 'text', text, bytes: bytes.length, truncated };
}

/** The first line of a body, for a table cell. @internal */
export function bodyPreview(body: Buffer | string | null, max = 120): string {
  const shown = showBody(body, 4096);
  if (shown.kind === 'binary') return `(${shown.bytes} bytes of binary)`;
  const flat = (shown.kind === 'json' ? JSON.stringify(JSON.parse(shown.text)) : shown.text).replace(
    /\s+/g,
    ' ',
  );
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
