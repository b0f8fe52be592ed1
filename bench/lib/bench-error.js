// Errors the benchmark reports as one line: BenchError for bad usage or missing inputs (exit 2),
// BenchFailure for a run that went wrong, such as a checksum mismatch (exit 1).
export class BenchError extends Error {
  name = "BenchError";
}

export class BenchFailure extends Error {
  name = "BenchFailure";
}
