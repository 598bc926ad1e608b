import { Injectable } from "@nestjs/common";

export interface Quote {
  grams: number;
  zone: string;
  pence: number;
}

const BASE_PENCE: Record<string, number> = { uk: 135, eu: 420, world: 610 };

@Injectable()
export class RatesService {
  quote(grams: number, zone: string): Quote {
    const base = BASE_PENCE[zone] ?? BASE_PENCE.world;
    // every started 250 g above the first 100 g costs a quarter of the base price
    const extra = grams > 100 ? Math.ceil((grams - 100) / 250) : 0;
    return { grams, zone: zone in BASE_PENCE ? zone : "world", pence: base + extra * Math.round(base / 4) };
  }
}
