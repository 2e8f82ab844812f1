import { registerEnumType } from 'type-graphql';

export enum CostGranularity {
  HOUR = 'HOUR',
  DAY = 'DAY',
  MONTH = 'MONTH',
}

export enum CostDimension {
  CLUSTER = 'CLUSTER',
  NAMESPACE = 'NAMESPACE',
  TEAM = 'TEAM',
  COST_CENTER = 'COST_CENTER',
  PERIOD = 'PERIOD',
}

export enum CostOrderField {
  TOTAL_COST = 'TOTAL_COST',
  PERIOD_START = 'PERIOD_START',
  GROUP = 'GROUP',
}

registerEnumType(CostGranularity, {
  name: 'CostGranularity',
  description: 'Period length of cost rows.',
  valuesConfig: {
    HOUR: { description: 'Hourly rows.' },
    DAY: { description: 'Daily rows (UTC days).' },
    MONTH: { description: 'Calendar months (UTC), summed from the daily rows.' },
  },
});

registerEnumType(CostDimension, {
  name: 'CostDimension',
  description: 'A dimension cost allocations can be grouped by.',
  valuesConfig: {
    CLUSTER: { description: 'Per cluster.' },
    NAMESPACE: { description: 'Per namespace (and its cluster).' },
    TEAM: { description: 'Per team (namespace label).' },
    COST_CENTER: { description: 'Per cost centre (namespace label).' },
    PERIOD: { description: 'Per period of the chosen granularity; without it the whole range is one period.' },
  },
});

registerEnumType(CostOrderField, {
  name: 'CostOrderField',
  description: 'What to sort cost allocations by (ties are broken by the group).',
  valuesConfig: {
    TOTAL_COST: { description: 'Total cost.' },
    PERIOD_START: { description: 'Start of the period.' },
    GROUP: { description: 'The group dimensions, alphabetically.' },
  },
});
