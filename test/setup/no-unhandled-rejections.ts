// Every test file fails if any promise rejection goes unhandled while it runs: the SDK promises
// that none ever does (issue 6, and the house standard).
const unhandled: unknown[] = [];
const record = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(() => {
  process.on('unhandledRejection', record);
});

afterAll(() => {
  process.off('unhandledRejection', record);
  if (unhandled.length > 0)
    throw new Error(
      `${unhandled.length} unhandled promise rejection(s): ${unhandled.map((r) => (r instanceof Error ? r.stack : String(r))).join('\n')}`,
    );
});
