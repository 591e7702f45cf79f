// Annual customer-retention benchmarks per industry, from
// shared/data/benchmarks/retention-by-industry.md (a test keeps the two in step).
export const industries = [
  { key: 'media', name: 'Media services', annualRetention: 0.84 },
  { key: 'professional_services', name: 'Professional services', annualRetention: 0.84 },
  { key: 'tech_it_services', name: 'Tech / IT services', annualRetention: 0.81 },
  { key: 'it_software_services', name: 'IT / software services', annualRetention: 0.77 },
  { key: 'consumer_services', name: 'Consumer services', annualRetention: 0.67 },
  { key: 'hospitality', name: 'Hospitality, travel, restaurants', annualRetention: 0.55 },
  { key: 'all', name: 'Average across all industries', annualRetention: 0.75 },
] as const;

export type IndustryKey = (typeof industries)[number]['key'];
export const industryKeys = industries.map((i) => i.key) as [IndustryKey, ...IndustryKey[]];

export function industryBenchmark(key: string) {
  return industries.find((i) => i.key === key) ?? industries.find((i) => i.key === 'all')!;
}
