import { startAzurite } from "@cmkr/azure-emulator";
import { coldStart } from "./coldStartBench.js";
import { keyEventFanOut } from "./keyEventFanOutBench.js";
import { packageSize } from "./packageSizeBench.js";
import { reportRendering } from "./reportBench.js";
import { planAndEnqueue, requestsPerRotationEvent, type Figure } from "./rotationBench.js";
import { throttledRotation } from "./throttledRotationBench.js";
import { triageThroughput } from "./triageBench.js";
import { sweepScaling } from "./sweepBench.js";

function print(f: Figure): void {
  const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  console.log(`\n${f.name}`);
  console.log(`  measured: ${fmt(f.value)} ${f.unit}`);
  console.log(`  baseline: ${fmt(f.baseline)} ${f.unit} (${f.baselineName})`);
  console.log(`  ratio:    ${f.ratio.toFixed(2)}`);
  console.log(`  ${f.note}`);
}

/** Runs every benchmark; each prints its figure against a baseline measured in the same run. */
async function main(): Promise<void> {
  const azurite = await startAzurite();
  try {
    console.log(`Benchmarks on Node ${process.version}`);
    print(await requestsPerRotationEvent(azurite.connectionString));
    print(await planAndEnqueue(azurite.connectionString));
    for (const figure of await keyEventFanOut(azurite.connectionString)) print(figure);
    print(triageThroughput());
    for (const figure of await throttledRotation(azurite.connectionString)) print(figure);
    for (const figure of await sweepScaling(azurite.connectionString)) print(figure);
    for (const figure of reportRendering()) print(figure);
    for (const figure of await coldStart()) print(figure);
    print(await packageSize());
  } finally {
    await azurite.stop();
  }
}

await main();
