/** An error answer from the server, carrying its machine code and any wait the server asked for. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfterMs) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

async function errorFrom(res) {
  let body;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterMs = body?.error?.retryAfterMs ?? (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
  return new ApiError(res.status, body?.error?.code ?? `http_${res.status}`, body?.error?.message ?? res.statusText, retryAfterMs);
}

/** Calls the JSON API with the session cookie; a 401 tells the app the session is gone. */
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, init).catch(() => {
    throw new ApiError(0, 'network', 'The server could not be reached');
  });
  if (!res.ok) {
    const error = await errorFrom(res);
    if (res.status === 401 && !path.startsWith('/api/auth/')) window.dispatchEvent(new CustomEvent('confab:signed-out'));
    throw error;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** Uploads with progress events (fetch cannot report upload progress). */
export function upload(path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body?.error?.code ?? `http_${xhr.status}`, body?.error?.message ?? 'Upload failed'));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', 'The upload could not reach the server')));
    xhr.send(formData);
  });
}
