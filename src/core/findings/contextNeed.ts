/**
 * A read a detection rule needs besides the resource and its key (which every key consumer needs):
 * a Machine Learning Project's Hub, or whether a vault holds keys some resource is encrypted with.
 * Resource modules say what they need; the worker and the sweep read it before judging.
 */
export type ContextNeed =
  { readonly kind: "hub"; readonly id: string } | { readonly kind: "vaultUse"; readonly vaultUrl: string };
