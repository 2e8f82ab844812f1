import { DateTimeResolver, JSONObjectResolver, JSONResolver } from 'graphql-scalars';

/** `Date` properties map to DateTime automatically; JSON fields name their scalar explicitly: `@Field(() => JSONScalar)`. */
export const DateTimeScalar = DateTimeResolver;
export const JSONScalar = JSONResolver;
export const JSONObjectScalar = JSONObjectResolver;
