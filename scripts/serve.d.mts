import type { Server } from 'node:http';
export declare function startServer(options?: { root?: string; host?: string; port?: number; quiet?: boolean }): Promise<{
  url: string;
  server: Server;
  close: () => Promise<void>;
}>;
