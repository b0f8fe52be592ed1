// Browser entry of the comparison view's worker: a CompareRunner over Comlink. Each call loads
// fresh cores (one for the VMs' hypervisor, one for the container host).
import * as Comlink from "comlink";
import { loadCoreBrowser } from "../core/load-browser.js";
import { CompareRunner } from "./compare-runner.js";

Comlink.expose(new CompareRunner(() => loadCoreBrowser()));
