import type { AuditRecord } from '../audit/service';
import type { Principal } from '../auth/guard';

/** Who made an admin change, and from where, as the audit log records it. */
export type ChangeBy = Required<Pick<AuditRecord, 'actor'>> & Pick<AuditRecord, 'address'>;

type Server = { requestIP(request: Request): { address: string } | null } | null;

/** The admin behind a request; the address is the connection's peer. */
export function changeBy(principal: Principal, request: Request, server: Server): ChangeBy {
  return {
    actor: { id: principal.user.id, email: principal.user.email },
    address: server?.requestIP(request)?.address,
  };
}
