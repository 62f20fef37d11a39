// Starts GraphiQL on imagegate's page (src/http/graphiql/graphiql.ts), in the browser: plain script, no build step.
// Queries and mutations go over HTTP to this page's own URL (the GraphQL endpoint), with the headers editor's headers;
// subscriptions go over graphql-ws on the same path, authenticated by the connection_init payload, which carries the
// headers editor's Authorization header (the contract's WebSocket auth).
/* global React, ReactDOM, GraphiQL, graphqlWs, document, location */
(function () {
  "use strict";
  var endpoint = location.origin + location.pathname;
  var socketEndpoint = endpoint.replace(/^http/, "ws");
  var socket = null;

  /** One graphql-ws client per Authorization value: a changed key opens a new connection, closing the old one. */
  function socketFor(headers) {
    var authorization = null;
    Object.keys(headers || {}).forEach(function (name) {
      if (name.toLowerCase() === "authorization") authorization = String(headers[name]);
    });
    var params = authorization === null ? {} : { authorization: authorization };
    var key = JSON.stringify(params);
    if (socket === null || socket.key !== key) {
      if (socket !== null) socket.client.dispose();
      socket = {
        key: key,
        client: graphqlWs.createClient({ url: socketEndpoint, connectionParams: params, lazy: true }),
      };
    }
    return socket.client;
  }

  function fetcher(params, options) {
    var wsClient = socketFor(options && options.headers);
    return GraphiQL.createFetcher({ url: endpoint, wsClient: wsClient })(params, options);
  }

  var container = document.getElementById("graphiql");
  document.body.style.margin = "0";
  container.style.height = "100vh";
  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: '{\n  "authorization": "Bearer "\n}',
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      // The key stays in this tab: not written to localStorage unless the user turns that on.
      shouldPersistHeaders: false,
    }),
  );
})();
