/** Runs `fn` over `items` with at most `limit` running at once; each failure is kept, not thrown. */
export async function settleLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<Array<Error | undefined>> {
  const errors: Array<Error | undefined> = items.map(() => undefined);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        await fn(items[i] as T);
      } catch (error) {
        errors[i] = error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return errors;
}
