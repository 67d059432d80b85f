/** Where a Resource Graph query looks. Empty lists mean every subscription the identity can read. */
export interface GraphScope {
  subscriptions?: readonly string[];
  managementGroups?: readonly string[];
}
