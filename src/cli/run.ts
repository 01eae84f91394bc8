import { main } from './main.js';

/** Entry point: `bin/candor.js` loads the compiled form of this file. */
process.exitCode = await main(process.argv);
