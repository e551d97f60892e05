#!/usr/bin/env node
// npx simdnn convert | inspect — see src/cli.ts.
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
