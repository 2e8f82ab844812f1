import { registerEnumType } from 'type-graphql';

/** Sort direction shared by every `orderBy` input. */
export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Sort direction.',
  valuesConfig: { ASC: { description: 'Ascending (A→Z, oldest first, smallest first).' }, DESC: { description: 'Descending.' } },
});
