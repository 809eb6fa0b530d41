/**
 * Preloaded (`node --import`) into the action's process by tools/local-runner.ts
 * when it runs against the local AWS emulator: the process lives on the
 * emulator's simulated clock, as a runner lives on AWS's. `Date` reads the
 * simulated time and sleeps wait simulated milliseconds (real ms = simulated ms
 * x timeScale), so credential expiry, polling schedules and wait timeouts mean
 * in the action what they mean in the emulator. The action's code is not
 * touched. RCAS_SIMULATED_CLOCK = {"simAt": ms, "realAt": ms, "timeScale": s}:
 * the simulated time at one real instant, and real seconds per simulated second.
 * A later `advance()` of the emulator's clock is not seen by a running process.
 */
const spec = JSON.parse(process.env.RCAS_SIMULATED_CLOCK ?? 'null');
if (spec && spec.timeScale > 0) {
  const { simAt, realAt, timeScale } = spec;
  const RealDate = globalThis.Date;
  const realNow = RealDate.now.bind(RealDate);
  const simNow = () => Math.floor(simAt + (realNow() - realAt) / timeScale);

  class SimulatedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(simNow());
      else super(...args);
    }
    static now() {
      return simNow();
    }
  }
  // `Date()` called as a function gives the current time as a string.
  globalThis.Date = new Proxy(SimulatedDate, { apply: () => new SimulatedDate().toString() });

  // Sleeps wait simulated time; watchdogs wait real time. A timer whose callback only resolves a promise
  // (`new Promise(resolve => setTimeout(resolve, ms))`: the action's polling pauses, the SDK's retry
  // back-off) is a sleep on the simulated world. Any other callback guards real I/O (a database
  // driver's connection timeout): the databases behind the emulator are real servers, so those run
  // in real milliseconds.
  const nativeSource = Function.prototype.toString;
  const isPromiseResolver = fn => typeof fn === 'function' && fn.name === '' && nativeSource.call(fn).includes('[native code]');
  const realSetTimeout = globalThis.setTimeout;
  const setTimeout = (fn, delay, ...rest) => realSetTimeout(fn, isPromiseResolver(fn) && typeof delay === 'number' && delay > 0 ? delay * timeScale : delay, ...rest);
  Object.assign(setTimeout, realSetTimeout);
  globalThis.setTimeout = setTimeout;
}
