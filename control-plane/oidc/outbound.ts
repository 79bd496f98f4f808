// Every call to the identity provider goes through here: undici, a hard deadline, a size cap,
// and JSON out. Transport failures become one error type the routes map to a 502.
import { request } from 'undici';

// A user is waiting on this redirect; a healthy provider answers in well under a second, so
// five seconds fails a hung provider without failing a slow-but-alive one.
export const PROVIDER_TIMEOUT_MS = 5_000;
// Discovery documents, key sets and token responses are a few KiB; this bounds a broken provider.
const MAX_RESPONSE_BYTES = 256 * 1024;

export class ProviderTransportError extends Error {
  override readonly name = 'ProviderTransportError';
}

export interface ProviderResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body was not JSON. */
  json: unknown;
}

export async function callProvider(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<ProviderResponse> {
  let status: number;
  let text = '';
  try {
    const response = await request(url, {
      method: init.method,
      headers: { accept: 'application/json', ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
    status = response.statusCode;
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_RESPONSE_BYTES) {
        response.body.destroy();
        throw new ProviderTransportError(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    if (error instanceof ProviderTransportError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProviderTransportError(reason, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, json };
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
