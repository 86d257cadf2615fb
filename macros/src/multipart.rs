//! `#[derive(MultipartSchema)]`: a `multipart/form-data` form's parts, for its
//! document, read from the same struct actix-multipart's `MultipartForm`
//! derive reads (each named field a part, renamed by
//! `#[multipart(rename = "...")]`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

/// The `MultipartSchema` implementation of `item`, or the errors at the
/// tokens at fault.
pub(crate) fn expand_multipart_schema(item: TokenStream) -> TokenStream {
    match expand(item) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn expand(item: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => &fields.named,
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "a multipart form's parts are named: `MultipartSchema` needs a struct with named fields",
                ))
            }
        },
        Data::Enum(data) => {
            return Err(syn::Error::new(
                data.enum_token.span,
                "`MultipartSchema` describes a struct whose fields are the form's parts, not an enum",
            ))
        }
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span,
                "`MultipartSchema` describes a struct whose fields are the form's parts, not a union",
            ))
        }
    };
    let mut errors: Option<syn::Error> = None;
    let mut parts = Vec::new();
    for field in fields {
        let Some(ident) = &field.ident else { continue };
        match part_name(field) {
            Ok(rename) => {
                let name = rename.unwrap_or_else(|| ident.to_string());
                let ty = &field.ty;
                parts.push(quote_spanned!(ty.span()=>
                    parts.part::<#ty>(#name);
                ));
            }
            Err(error) => match &mut errors {
                Some(errors) => errors.combine(error),
                None => errors = Some(error),
            },
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::hookspec::multipart::MultipartSchema for #name #type_generics
            #where_clause
        {
            fn describe_parts(parts: &mut ::hookspec::multipart::Parts<'_, '_>) {
                #(#parts)*
            }
        }
    })
}

/// The part's name if `#[multipart(rename = "...")]` gives one. The
/// attribute's other options (`limit`) are actix-multipart's: its derive
/// checks them, and the document reads the limits through `MultipartCollect`.
fn part_name(field: &syn::Field) -> syn::Result<Option<String>> {
    let mut rename = None;
    for attr in &field.attrs {
        if !attr.path().is_ident("multipart") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let name: LitStr = meta.value()?.parse()?;
                rename = Some(name.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Another option's value: skipped, as written.
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        })?;
    }
    Ok(rename)
}
