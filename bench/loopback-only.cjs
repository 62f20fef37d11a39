// Preload: `node -r ./bench/loopback-only.cjs server.js` makes every TCP server of the process listen on 127.0.0.1
// only, whatever host it asks for (Portkey's gateway has no listen-address option and listens on every interface).
// http.Server and friends inherit net.Server's listen, so wrapping it covers them; pipes and handles are left alone.
"use strict";

const net = require("node:net");

const HOST = "127.0.0.1";
const listen = net.Server.prototype.listen;

function isPort(value) {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (first === undefined || typeof first === "function") {
    // listen() or listen(callback): a random port on every interface.
    return listen.call(this, 0, HOST, ...args.filter((arg) => arg !== undefined));
  }
  if (isPort(first)) {
    const second = args[1];
    if (typeof second === "string" || ((second === undefined || second === null) && args.length > 1)) {
      return listen.call(this, first, HOST, ...args.slice(2));
    }
    return listen.call(this, first, HOST, ...args.slice(1));
  }
  if (typeof first === "object" && first !== null && first.path === undefined && first.fd === undefined) {
    const isHandle = typeof first.getsockname === "function" || first._handle !== undefined;
    if (!isHandle) return listen.call(this, { ...first, host: HOST }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
