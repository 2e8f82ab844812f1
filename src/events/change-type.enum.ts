import { registerEnumType } from 'type-graphql';

export enum ChangeTypeEnum {
  ADDED = 'ADDED',
  MODIFIED = 'MODIFIED',
  DELETED = 'DELETED',
}

registerEnumType(ChangeTypeEnum, {
  name: 'ChangeType',
  description: 'What happened to an object in a committed change.',
  valuesConfig: {
    ADDED: { description: 'The object appeared.' },
    MODIFIED: { description: 'Some fields of the object changed (see changedFields).' },
    DELETED: { description: 'The object was deleted in Kubernetes; its row is kept with deletedAt set.' },
  },
});
