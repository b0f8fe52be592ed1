// Browser entry of a container-host worker: one Web Worker per container host (one unix guest),
// exposing a ContainerHostRunner over Comlink (host-protocol.ts).
import * as Comlink from "comlink";
import { loadCoreBrowser } from "../core/load-browser.js";
import { ContainerHostRunner } from "./host-runner.js";

Comlink.expose(new ContainerHostRunner(() => loadCoreBrowser()));
