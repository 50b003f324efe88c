/**
 * What a dismissed status message is remembered by: its kind of problem, not its exact words.
 * The back end's notes carry counts that change every second ("(1203 events held)", "12 with a
 * large field cut"); a banner dismissed must stay dismissed while only they change, and come
 * back when the problem is another one (another cause, another note added).
 */
export function dismissalKey(message: string): string {
  return (
    message
      .replace(/\d+(?:[.,]\d+)*/g, '#')
      // "1 message" and "3 messages" are one kind.
      .replace(/# (\w+?)s\b/g, '# $1')
  );
}
