/** A webhook URL as typed: null when empty, else an http(s) URL, or what is wrong with it. */
export function readWebhookUrl(text: string): { url: string | null } | { error: string } {
  const t = text.trim();
  if (t === '') return { url: null };
  let parsed: URL;
  try {
    parsed = new URL(t);
  } catch {
    return { error: 'Webhook: not a URL (it starts with https://)' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { error: 'Webhook: an http:// or https:// URL, please' };
  if (t.length > 2048) return { error: 'Webhook: 2048 characters at most' };
  return { url: t };
}
