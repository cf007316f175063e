/** The lab AMI catalog: format, loader, Git sources, signatures, selection and writing (docs/catalog.md). */
export * from "./format";
export * from "./loader";
export * from "./source";
export * from "./signatures";
export * from "./store";
export * from "./select";
export * from "./write";
