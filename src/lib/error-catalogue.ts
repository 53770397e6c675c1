/** What one error code means to a client: its HTTP status, whether trying again can help, the sentence a person reads. */
export interface ErrorEntry {
  status: number;
  retryable: boolean;
  message: string;
}

/**
 * Every error code the server sends, over REST, WebSocket frames, `/v1` and SSE alike. The UI reads
 * the same sentences (served as `/js/error-catalogue.js`), so a person sees one wording everywhere.
 * A sentence names no internals: no exception text, no upstream body, no infrastructure by name.
 */
export const errorCatalogue = {
  // The request itself
  bad_request: { status: 400, retryable: false, message: 'The request is not valid.' },
  validation_error: { status: 400, retryable: false, message: 'A field of the request is missing or not valid.' },
  invalid_request: { status: 400, retryable: false, message: 'The request is not valid.' },
  invalid_body: { status: 400, retryable: false, message: 'The request body could not be read (malformed JSON or form data).' },
  body_too_deep: { status: 400, retryable: false, message: 'The request body nests objects or arrays more than 64 levels deep.' },
  invalid_text: {
    status: 400,
    retryable: false,
    message: 'Text must not contain NUL (\\u0000) characters or broken Unicode (unpaired surrogates).',
  },
  invalid_cursor: { status: 400, retryable: false, message: 'The page cursor is not valid; start again from the first page.' },
  invalid_frame: { status: 400, retryable: false, message: 'The message sent over the chat connection is not valid.' },
  payload_too_large: { status: 413, retryable: false, message: 'The request is too large.' },
  unsupported_media_type: {
    status: 415,
    retryable: false,
    message: 'This file type is not supported. Upload text, Markdown, HTML, PDF, JSON, CSV or source code.',
  },
  empty_file: { status: 400, retryable: false, message: 'The file is empty.' },
  invalid_import: {
    status: 400,
    retryable: false,
    message: 'The file is not a conversation export Confab can read (Confab JSON, ChatGPT conversations.json or an Open WebUI export).',
  },
  not_found: { status: 404, retryable: false, message: 'That does not exist, or it is not yours.' },
  invalid_range: { status: 400, retryable: false, message: 'The time range is not valid: "from" must come before "to".' },
  unknown_user: { status: 400, retryable: false, message: 'A user named in the request does not exist.' },
  unknown_group: { status: 400, retryable: false, message: 'A group named in the request does not exist.' },
  unknown_document: { status: 400, retryable: false, message: 'A document named in the request does not exist, or it is not yours.' },
  unknown_attachment: { status: 404, retryable: false, message: 'A file attached to the message does not exist, or it is not yours.' },
  attachment_not_ready: {
    status: 409,
    retryable: true,
    message: 'A file attached to the message is still being read. Send the message once it is ready.',
  },
  attachment_failed: {
    status: 400,
    retryable: false,
    message: 'A file attached to the message could not be read. Remove it, or upload it again.',
  },
  group_name_taken: { status: 409, retryable: false, message: 'A group with this name already exists.' },
  last_admin: { status: 409, retryable: false, message: 'The last active admin cannot be demoted, disabled or deleted.' },
  conflict: { status: 409, retryable: false, message: 'This clashes with another request in progress.' },
  not_resumable: {
    status: 410,
    retryable: false,
    message: 'This answer can no longer be followed live; it is stored in its conversation.',
  },

  // Who is asking
  unauthorized: { status: 401, retryable: false, message: 'You are not signed in, or your session has ended. Log in again.' },
  invalid_credentials: { status: 401, retryable: false, message: 'Email or password is wrong.' },
  forbidden: { status: 403, retryable: false, message: 'You are not allowed to do that.' },
  origin_forbidden: {
    status: 403,
    retryable: false,
    message: 'This request came from a page on another site, so it was refused. Use Confab from its own address.',
  },
  account_pending: {
    status: 403,
    retryable: false,
    message: 'Your account is waiting for an administrator to approve it.',
  },
  signup_closed: { status: 403, retryable: false, message: 'Sign-up is closed on this server.' },
  email_taken: { status: 409, retryable: false, message: 'An account with this email already exists.' },
  password_login_disabled: {
    status: 403,
    retryable: false,
    message: 'Signing in with a password is turned off on this server. Use the single sign-on button.',
  },
  sso_not_configured: { status: 404, retryable: false, message: 'Single sign-on is not set up on this server.' },
  sso_invalid_state: {
    status: 400,
    retryable: false,
    message: 'This sign-in did not start here or took too long, so it was not completed. Start again.',
  },
  sso_rejected: {
    status: 401,
    retryable: false,
    message: "The identity provider's answer could not be verified, so you were not signed in. Start again.",
  },
  sso_email_missing: {
    status: 403,
    retryable: false,
    message: 'The identity provider did not share an email address for you, so you cannot be signed in.',
  },
  sso_email_unverified: {
    status: 409,
    retryable: false,
    message: 'An account with this email exists, but the identity provider has not verified your email, so it was not linked.',
  },
  sso_group_forbidden: {
    status: 403,
    retryable: false,
    message: 'The identity provider does not place you in a group allowed to use this server.',
  },
  sso_account_unknown: {
    status: 403,
    retryable: false,
    message: 'There is no account for you on this server. Ask an administrator to create one.',
  },
  sso_provider_unavailable: {
    status: 502,
    retryable: true,
    message: 'The identity provider is not reachable right now. Try again in a moment.',
  },
  trusted_header_refused: {
    status: 403,
    retryable: false,
    message: 'Identity headers are accepted only from the proxies this server trusts.',
  },
  invalid_link: {
    status: 400,
    retryable: false,
    message: 'This link has expired or was already used. Ask an administrator for a new one.',
  },
  too_many_attempts: { status: 429, retryable: true, message: 'Too many failed logins.' },
  too_many_signups: { status: 429, retryable: true, message: 'Too many accounts were created from this address.' },
  rate_limited: { status: 429, retryable: true, message: 'You are sending messages too quickly.' },
  // Trying again helps only once the quota resets, which `resetsAt` and Retry-After say.
  quota_exceeded: { status: 429, retryable: false, message: 'You have used up your quota for now.' },

  // The server and what it runs on
  internal_error: { status: 500, retryable: false, message: 'Something went wrong on the server. Try again later.' },
  config_invalid: { status: 500, retryable: false, message: 'The server is misconfigured.' },
  draining: { status: 503, retryable: true, message: 'The server is shutting down; try again in a moment.' },
  database_unavailable: { status: 503, retryable: true, message: 'The database is not reachable right now.' },
  event_bus_unavailable: { status: 503, retryable: true, message: 'The server cannot record this right now. Try again in a moment.' },
  stream_unavailable: { status: 503, retryable: true, message: 'Answers cannot be streamed right now. Try again in a moment.' },
  scheduler_busy: { status: 503, retryable: true, message: 'The server is busy. Try again shortly.' },
  scheduler_closed: { status: 503, retryable: true, message: 'The server is shutting down; try again in a moment.' },
  scheduler_unavailable: { status: 503, retryable: false, message: 'Background work cannot run on this server right now.' },
  worker_crashed: { status: 500, retryable: true, message: 'A background worker stopped while doing this.' },
  job_failed: { status: 500, retryable: false, message: 'A background job failed.' },
  secret_unreadable: {
    status: 500,
    retryable: false,
    message: "A stored credential could not be decrypted with this server's secret key.",
  },

  // Models
  unknown_model: { status: 400, retryable: false, message: 'That model is not available. Pick another one.' },
  model_forbidden: { status: 403, retryable: false, message: 'You are not allowed to use this model. Pick another one.' },
  no_model_available: { status: 503, retryable: true, message: 'No model could answer right now. Try again in a moment.' },
  generation_failed: { status: 502, retryable: false, message: 'The model failed to answer.' },
  cancelled: { status: 499, retryable: false, message: 'The request was cancelled.' },
  aborted: { status: 499, retryable: false, message: 'This was stopped before it finished.' },
  upstream_unavailable: {
    status: 502,
    retryable: true,
    message: 'The model provider is not answering right now. Try again, or pick another model.',
  },
  upstream_timeout: { status: 504, retryable: true, message: 'The model took too long to answer. Try again, or pick another model.' },
  upstream_rate_limited: {
    status: 502,
    retryable: true,
    message: 'The model provider is turning requests away right now. Try again in a moment, or pick another model.',
  },
  upstream_auth_failed: {
    status: 502,
    retryable: false,
    message: "The model provider refused this server's credentials. Pick another model, or ask an administrator to check the key.",
  },
  upstream_not_found: { status: 502, retryable: false, message: 'The model provider does not offer this model. Pick another one.' },
  upstream_rejected: {
    status: 400,
    retryable: false,
    message: 'The model provider refused this request; it may be too long for the model. Try a shorter message or another model.',
  },

  // Provider connections
  connection_read_only: {
    status: 409,
    retryable: false,
    message: "This connection comes from the server's environment; it can only be changed there.",
  },
  connection_name_taken: { status: 409, retryable: false, message: 'A connection with this name already exists.' },

  // Documents
  extraction_failed: { status: 422, retryable: false, message: 'The text of this document could not be read.' },
  embedding_failed: { status: 502, retryable: true, message: 'Embedding request failed.' },
  ingestion_failed: { status: 500, retryable: true, message: 'The document could not be processed.' },
  file_missing: { status: 500, retryable: false, message: 'The uploaded file is missing from storage.' },

  // Plugins and the pages they fetch
  unknown_plugin: { status: 404, retryable: false, message: 'There is no plugin by that name.' },
  plugin_disabled: { status: 403, retryable: false, message: 'This plugin is turned off.' },
  plugin_unavailable: { status: 503, retryable: false, message: 'This plugin is not available on this server.' },
  invalid_plugin_args: { status: 400, retryable: false, message: 'The plugin was called with arguments it does not accept.' },
  plugin_timeout: { status: 504, retryable: true, message: 'The plugin did not finish in time.' },
  plugin_failed: { status: 500, retryable: false, message: 'The plugin failed.' },
  mcp_server_name_taken: { status: 409, retryable: false, message: 'An MCP server with this name already exists.' },
  mcp_stdio_disabled: {
    status: 403,
    retryable: false,
    message: 'This server does not run MCP servers as local commands (MCP_STDIO is off).',
  },
  mcp_unreachable: { status: 502, retryable: true, message: 'The MCP server could not be reached.' },
  mcp_tool_error: { status: 502, retryable: false, message: 'The MCP tool reported an error.' },
  mcp_busy: { status: 429, retryable: true, message: 'Too many of your tool calls are running; try again when one has finished.' },
  mcp_not_connected: {
    status: 403,
    retryable: false,
    message: 'This MCP server needs your own account: connect your account in Settings first.',
  },
  mcp_oauth_not_used: { status: 400, retryable: false, message: 'This MCP server does not sign users in with OAuth.' },
  mcp_oauth_invalid_state: {
    status: 400,
    retryable: false,
    message: 'This connection did not start here, was already used or took too long, so it was not completed. Connect again.',
  },
  mcp_oauth_rejected: {
    status: 502,
    retryable: false,
    message: "The MCP server's authorization server did not grant access, so your account was not connected. Connect again.",
  },
  unsupported_language: { status: 400, retryable: false, message: 'The code interpreter cannot run this language.' },
  sandbox_failed: { status: 500, retryable: false, message: 'The code sandbox failed.' },
  sandbox_busy: { status: 503, retryable: true, message: 'The code interpreter is busy running other programs right now.' },
  search_failed: { status: 502, retryable: false, message: 'The web search provider failed.' },
  page_fetch_failed: { status: 502, retryable: false, message: 'The page could not be fetched.' },
  page_not_text: { status: 415, retryable: false, message: 'The page is not text.' },
  ssrf_blocked: { status: 403, retryable: false, message: 'That address may not be fetched.' },
  fetch_failed: { status: 502, retryable: true, message: 'The address could not be reached.' },
  fetch_too_large: { status: 502, retryable: false, message: 'The response was too large.' },
  fetch_timeout: { status: 504, retryable: true, message: 'The address did not answer in time.' },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof errorCatalogue;
