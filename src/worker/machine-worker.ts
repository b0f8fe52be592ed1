// Browser entry of a machine worker: one Web Worker per machine, exposing a MachineRunner over
// Comlink (the control plane of protocol.ts). The wasm core is fetched by URL and compiled as
// soon as the worker starts, while the page is still fetching the guest.
import * as Comlink from "comlink";
import { loadCoreBrowser } from "../core/load-browser.js";
import { MachineRunner } from "./machine-runner.js";

const first = loadCoreBrowser();
first.catch(() => {}); // reported by create()
let used = false;
Comlink.expose(
  new MachineRunner(() => {
    if (used) return loadCoreBrowser();
    used = true;
    return first;
  }),
);
