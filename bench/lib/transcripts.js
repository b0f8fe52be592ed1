// The checksum cross-check: every engine must print the same transcript as the reference run
// (the native build when it ran), ending in the scenario's checksum line.

/**
 * @param {RegExp} checksumPattern
 * @param {{ label: string, output: string }} reference
 * @param {{ label: string, run: number, output: string }[]} transcripts
 * @returns {{ checksum: string | null, problems: string[] }}
 */
export function crossCheck(checksumPattern, reference, transcripts) {
  const problems = [];
  const checksum = checksumPattern.exec(reference.output)?.[1] ?? null;
  if (checksum === null) problems.push(`${reference.label}: no checksum line in its output: ${JSON.stringify(reference.output.slice(0, 200))}`);
  for (const t of transcripts) {
    if (t.output === reference.output) continue;
    problems.push(`${t.label} run ${t.run}: output differs from ${reference.label}: ${firstDifference(reference.output, t.output)}`);
  }
  return { checksum, problems };
}

/** The first lines that differ, as 'want "…" got "…"'. */
export function firstDifference(want, got) {
  const a = want.split("\n");
  const b = got.split("\n");
  const diffs = [];
  for (let i = 0; i < Math.max(a.length, b.length) && diffs.length < 3; i++) {
    if (a[i] !== b[i]) diffs.push(`line ${i + 1}: want ${JSON.stringify(a[i] ?? "<end>")} got ${JSON.stringify(b[i] ?? "<end>")}`);
  }
  return diffs.join("; ");
}
