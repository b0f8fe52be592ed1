// Browser entry of the hypervisor view's worker: one Web Worker running N trap-mode VMs, exposing
// an HvRunner over Comlink (hv-protocol.ts).
import * as Comlink from "comlink";
import { loadCoreBrowser } from "../core/load-browser.js";
import { HvRunner } from "./hv-runner.js";

Comlink.expose(new HvRunner(() => loadCoreBrowser()));
