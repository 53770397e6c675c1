import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

type Block = CallToolResult['content'][number];

/** One content block as text a model can read: images and audio become a note of what was left out. */
function blockText(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} (${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes) not shown]`;
    case 'resource': {
      const r = block.resource;
      return 'text' in r ? `[resource ${r.uri}]\n${r.text}` : `[resource ${r.uri} (${r.mimeType ?? 'binary'}) not shown]`;
    }
    case 'resource_link':
      return `[resource link ${block.uri}${block.name ? ` (${block.name})` : ''}]`;
    default:
      return '';
  }
}

/** The whole result as text: its blocks, or its structured content when it has no blocks. */
export function resultText(result: CallToolResult): string {
  const blocks = (result.content ?? []).map(blockText).filter(Boolean);
  if (blocks.length) return blocks.join('\n');
  return result.structuredContent ? JSON.stringify(result.structuredContent) : '';
}

/** Text cut to `max` characters with a marker saying how much was left out. */
export function capText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return { text: `${text.slice(0, max)}\n[… truncated: ${max} of ${text.length} characters shown]`, truncated: true };
}
