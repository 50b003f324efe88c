/** Which Host and Origin headers the server answers (DNS rebinding, cross-site pages). */

/** Loopback names, and the address the server was told to listen on (unless it is a wildcard). */
export function allowedHost(hostHeader: string | undefined, listening: string): boolean {
  if (!hostHeader) return false;
  let name: string;
  try {
    name = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name)) return true;
  const own = listening.includes(':') ? `[${listening.toLowerCase()}]` : listening.toLowerCase();
  return own !== '0.0.0.0' && own !== '[::]' && name === own;
}

export function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
