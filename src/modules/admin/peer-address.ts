/** The address of the client's end of the connection, as the server sees it (none in process). */
export function peerAddress(
  server: { requestIP(request: Request): { address: string } | null } | null,
  request: Request,
): string | undefined {
  return server?.requestIP(request)?.address;
}
