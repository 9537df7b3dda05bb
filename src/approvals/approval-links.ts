/** The console page where a person decides an approval (sent in notifications). */
export function approvalUrl(publicUrl: string | undefined, id: string): string {
  return `${(publicUrl ?? '').replace(/\/+$/, '')}/approvals/${id}`;
}
