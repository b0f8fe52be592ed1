// Browser entry of a machine worker: one Web Worker per machine, exposing a MachineRunner over
// Comlink (the control plane of protocol.ts). The wasm core is fetched by URL from the worker;
// the page may name the URL in the worker's name ("core=<url>"), else load-browser's default.
import * as Comlink from "comlink";
import { loadCoreBrowser } from "../core/load-browser.js";
import { MachineRunner } from "./machine-runner.js";

const coreUrl = /^core=(.+)$/.exec(self.name)?.[1];
Comlink.expose(new MachineRunner(() => (coreUrl ? loadCoreBrowser(coreUrl) : loadCoreBrowser())));
