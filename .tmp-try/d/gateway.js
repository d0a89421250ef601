export class Gateway {
  constructor(config, log) { this.config = config; this.log = log; }
  async start() { this.t = setInterval(() => {}, 1000); }
  async reload(config) { this.config = config; this.log.info('gateway reload called'); }
  async shutdown(ms) { this.log.info({ ms }, 'gateway shutdown'); await new Promise(r => setTimeout(r, 300)); clearInterval(this.t); }
}
