export { toGlobalId, fromGlobalId, uuidFromGlobalId, type DecodedGlobalId } from './global-id.js';
export { encodeCursor, decodeCursor, type CursorKey, type CursorValue, type CursorValueType } from './cursor.js';
export { ConnectionArgs, pageRequest, DEFAULT_PAGE_SIZE, type PageRequest, type PageRequestOptions } from './connection-args.js';
export { PageInfo, connectionType, buildConnection, type Connection, type Edge } from './connection.js';
export { Node, registerNodeType, loadNode, type NodeLoader } from './node.js';
