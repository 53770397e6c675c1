/**
 * The MCP SDK's client half, loaded the first time a server is reached: it is among the largest
 * modules the server would otherwise load at start, and most servers have no MCP server configured.
 */
export async function loadMcpClientSdk() {
  const [client, sse, stdio, streamable, types] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]);
  return {
    Client: client.Client,
    SSEClientTransport: sse.SSEClientTransport,
    StdioClientTransport: stdio.StdioClientTransport,
    StreamableHTTPClientTransport: streamable.StreamableHTTPClientTransport,
    McpError: types.McpError,
  };
}
export type McpClientSdk = Awaited<ReturnType<typeof loadMcpClientSdk>>;

/** The SDK's OAuth client functions, loaded when a server's sign-in is first used. */
export const loadMcpAuth = () => import('@modelcontextprotocol/sdk/client/auth.js');
