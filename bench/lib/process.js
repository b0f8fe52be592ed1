// Runs one child process to completion with a time limit and measures its wall time.
import { spawn } from "node:child_process";
import { ROOT } from "./paths.js";

/**
 * @typedef {object} ProcessResult
 * @property {number | null} status   exit status (null when killed by a signal)
 * @property {string | null} signal
 * @property {Buffer} stdout
 * @property {Buffer} stderr
 * @property {number} wallSeconds      from spawn to exit
 * @property {boolean} timedOut        killed (SIGKILL) after timeoutSeconds
 * @property {string | null} spawnError e.g. ENOENT when the program does not exist
 * @property {unknown} message        the last IPC message (with `ipc`), else undefined
 */

/**
 * With `ipc`, the child gets an IPC channel (command should be a Node program) and its last
 * message is returned.
 * @returns {Promise<ProcessResult>}
 */
export function runProcess(command, args, { timeoutSeconds, cwd = ROOT, ipc = false }) {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe", ...(ipc ? ["ipc"] : [])] });
    let message;
    if (ipc) child.on("message", (m) => (message = m));
    const stdout = [];
    const stderr = [];
    let timedOut = false;
    let spawnError = null;
    child.stdout.on("data", (b) => stdout.push(b));
    child.stderr.on("data", (b) => stderr.push(b));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutSeconds * 1000);
    child.on("error", (e) => {
      spawnError = e.code ?? e.message;
    });
    child.on("close", (status, signal) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      done({ status, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), wallSeconds, timedOut, spawnError, message });
    });
  });
}
