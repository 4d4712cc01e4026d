// A reverse proxy that serves a dashboard under /prefix/, as JupyterHub or Open OnDemand do:
// it proves every link on the page is relative. Streams (SSE) and WebSocket upgrades pass
// through; anything outside the prefix gets 404 and is recorded.
import http from 'node:http';
import net from 'node:net';

/** Starts the proxy on 127.0.0.1:0 in front of `target` (a URL's origin). */
export async function startPrefixProxy(target, prefix = '/prefix') {
  const upstream = new URL(target);
  const outside = [];
  const strip = (url) => (url === prefix ? '/' : url.slice(prefix.length));
  const inside = (url) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);

  const server = http.createServer((req, res) => {
    if (!inside(req.url)) {
      outside.push(req.url);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('outside the prefix\n');
      return;
    }
    const forward = http.request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: strip(req.url),
      headers: { ...req.headers, host: upstream.host },
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });

  server.on('upgrade', (req, socket, head) => {
    if (!inside(req.url)) {
      outside.push(req.url);
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const back = net.connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method} ${strip(req.url)} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? upstream.host : req.rawHeaders[i + 1]}`);
      }
      back.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head?.length) back.write(head);
      back.pipe(socket);
      socket.pipe(back);
    });
    back.on('error', () => socket.destroy());
    socket.on('error', () => back.destroy());
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    prefix,
    outside: () => [...outside],
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
