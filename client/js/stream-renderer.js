import { h } from './dom.js';
import { renderMarkdown } from './markdown.js';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Renders a growing markdown answer at most once per animation frame. Text before the last blank
 * line outside a code fence is parsed once and frozen; only the open tail is re-parsed, so the
 * per-frame cost stays flat however long the answer gets. `finish` renders the whole text once,
 * so the final result is exactly what a single parse gives.
 */
export class StreamRenderer {
  constructor(container, { citations = [], onFrame } = {}) {
    this.container = container;
    this.citations = citations;
    this.onFrame = onFrame;
    this.text = '';
    this.frozenTo = 0;
    this.scanFrom = 0;
    this.fence = null;
    this.boundary = 0;
    this.frame = 0;
    this.frozen = h('div', { class: 'md-frozen' });
    this.tail = h('div', { class: 'md-tail' });
    container.replaceChildren(this.frozen, this.tail);
  }

  append(delta) {
    this.text += delta;
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  setCitations(citations) {
    this.citations = citations;
  }

  /** Finds the last safe block boundary, scanning each line only once. */
  scan() {
    let start = this.scanFrom;
    for (let nl = this.text.indexOf('\n', start); nl !== -1; nl = this.text.indexOf('\n', start)) {
      const line = this.text.slice(start, nl);
      const fence = FENCE.exec(line)?.[1];
      if (fence && !this.fence) this.fence = fence;
      else if (fence && this.fence && fence[0] === this.fence[0] && fence.length >= this.fence.length && !line.trim().slice(fence.length))
        this.fence = null;
      else if (!this.fence && line.trim() === '') this.boundary = nl + 1;
      start = nl + 1;
    }
    this.scanFrom = start;
  }

  flush() {
    this.frame = 0;
    this.scan();
    if (this.boundary > this.frozenTo) {
      const block = this.text.slice(this.frozenTo, this.boundary);
      this.frozen.append(renderMarkdown(block, { citations: this.citations }));
      this.frozenTo = this.boundary;
    }
    this.tail.replaceChildren(renderMarkdown(this.text.slice(this.frozenTo), { citations: this.citations, highlight: false }));
    this.onFrame?.();
  }

  finish(finalText = this.text) {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.text = finalText;
    this.container.replaceChildren(renderMarkdown(finalText, { citations: this.citations }));
    this.onFrame?.();
  }
}
