import net from "node:net";

/**
 * A port nothing listens on right now: the kernel picks one, the listener closes. Also "a
 * closed port" for tests of refused connections. `host` "0.0.0.0" for a port Docker publishes.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
