/**
 * A read a detection rule needs besides the resource and its key (which every key consumer needs):
 * a Machine Learning Project's Hub, whether a vault holds keys some resource is encrypted with, or
 * (read by the worker only, never by the sweep) what a Machine Learning workspace without a
 * customer-managed key holds and which key a replacement could use. Resource modules say what they
 * need; the worker and the sweep read it before judging.
 */
export type ContextNeed =
  | { readonly kind: "hub"; readonly id: string }
  | { readonly kind: "vaultUse"; readonly vaultUrl: string }
  | { readonly kind: "mlRecreation"; readonly id: string };
