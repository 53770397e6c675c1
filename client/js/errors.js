function seconds(ms) {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s === 1 ? '1 second' : `${s} seconds`;
}

/** Turns an error code from the API or the chat socket into a sentence a person can act on. */
export function describeError({ code, message, retryAfterMs } = {}) {
  switch (code) {
    case 'rate_limited':
    case 'rate_limit':
    case 'too_many_requests':
      return retryAfterMs
        ? `You are sending messages too quickly. Try again in ${seconds(retryAfterMs)}.`
        : 'You are sending messages too quickly. Wait a moment and try again.';
    case 'provider_unavailable':
    case 'provider_error':
    case 'upstream_error':
    case 'all_deployments_failed':
    case 'no_deployment':
      return `The model provider is not answering right now${message ? ` (${message})` : ''}. Try again, or pick another model.`;
    case 'timeout':
      return 'The model took too long to answer. Try again or pick another model.';
    case 'unknown_model':
    case 'model_not_found':
      return 'That model is not available any more. Pick another one.';
    case 'context_length_exceeded':
      return 'This conversation is too long for the model. Start a new chat or pick a model with a larger context.';
    case 'cancelled':
      return 'Stopped.';
    case 'unauthorized':
      return 'Your session has ended. Log in again.';
    case 'network':
      return 'The server could not be reached. Check your connection.';
    default:
      return message || 'Something went wrong.';
  }
}

export function describeFallback({ from, to }) {
  return `${from} did not answer, so ${to} answered instead.`;
}
