import pino from 'pino'
import { startEmbeddedPglite } from './dist/embedded/pglite.js'
const e = await startEmbeddedPglite({ kind: 'pglite', data_dir: '', port: 55432 }, pino({ level: 'debug' }))
console.log('ready')
process.on('SIGTERM', async () => { await e.stop(); process.exit(0) })
