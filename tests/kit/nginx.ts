import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildService, freePort } from './processes.js';
import type { ServerBinary } from './services.js';

/** NGINX_BINARY is nginx, started by the tests that put the server behind the real proxy. */
export const NGINX_BINARY: ServerBinary = { name: 'nginx', path: '/usr/sbin/nginx', install: 'apt-get install -y nginx-light' };

/** TestNginx is a private nginx in the foreground with a generated config, and the port it listens on. */
export interface TestNginx {
  port: number;
  process: ChildService;
  stop(): Promise<void>;
}

/**
 * startNginx runs nginx with its own prefix directory and a config that proxies every path, WebSocket upgrades
 * included, to `upstream` (an nginx `server` address such as `unix:/path/to.sock` or `127.0.0.1:6001`). One
 * process (`master_process off`), so that it reaches a socket file only its owner may open.
 */
export async function startNginx(upstream: string): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'sockudo-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream sockudo { server ${upstream}; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sockudo;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
    }
  }
}
`,
  );
  const nginx = new ChildService('nginx', port, NGINX_BINARY.path, ['-p', dir, '-c', conf, '-e', 'stderr']);
  await nginx.start();
  return {
    port,
    process: nginx,
    stop: async () => {
      await nginx.kill('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
