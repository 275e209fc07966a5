// The forkserver process: `node --single-threaded forkserver_main.js <main> <argv as JSON>`,
// with the control socket on fd 3. The order of the imports is the point:
import { compileLazilyFromNow } from '../internal/eager_compile'; // first: what loads next is compiled whole
import '../internal/compile_cache'; // then the cache, whose directory depends on that
import '../internal/preload_library'; // then the library, from the module pack
import { runForkserver } from './forkserver_server';

compileLazilyFromNow(); // the application (the main module) is compiled as it runs, as anywhere
void runForkserver();
