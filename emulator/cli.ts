/** `npm run emulator -- --scenario FILE [--port N] [--postgres-url URL] [--mysql-url URL]` */
import { startEmulator } from './index';

function argument(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const inline = args.find(a => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const scenario = argument(args, '--scenario');
  if (!scenario) {
    console.error('usage: npm run emulator -- --scenario FILE [--port N] [--postgres-url URL] [--mysql-url URL]');
    process.exit(2);
  }
  const port = Number(argument(args, '--port') ?? '0');
  const emulator = await startEmulator({ scenario, port, postgresUrl: argument(args, '--postgres-url'), mysqlUrl: argument(args, '--mysql-url') });
  console.log(`listening on ${emulator.url}`);
  const stop = () => {
    // A signal handler cannot wait: the close runs on, and the process exits when it is done (1 if it failed).
    void emulator.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`emulator: close failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      }
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`emulator: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
