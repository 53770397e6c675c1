import DOMPurify from '/vendor/purify.js';

const FORBID_TAGS = [
  'style',
  'form',
  'input',
  'textarea',
  'select',
  'button',
  'iframe',
  'frame',
  'object',
  'embed',
  'svg',
  'math',
  'template',
  'link',
  'meta',
  'base',
];

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/**
 * Everything rendered from model output or document text goes through here. Scripts, event
 * handlers, `javascript:` URLs, styles and form controls are removed.
 */
export function sanitizeToFragment(html) {
  return DOMPurify.sanitize(html, {
    RETURN_DOM_FRAGMENT: true,
    FORBID_TAGS,
    FORBID_ATTR: ['style', 'id', 'name', 'srcset', 'formaction'],
    ALLOW_DATA_ATTR: false,
  });
}

/** The highlighter only emits spans with classes; anything else is dropped. */
export function sanitizeHighlight(html) {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS: ['span'], ALLOWED_ATTR: ['class'], RETURN_TRUSTED_TYPE: true });
}
