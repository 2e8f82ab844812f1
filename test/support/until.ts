/**
 * Polls `probe` until it gives a value, and returns it: for state another process changes (a row, a lease, a
 * listener), which sends no event to wait on. The test's own timeout bounds the wait.
 */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
