import { Controller, Get, Query } from "@nestjs/common";
import { Quote, RatesService } from "./rates.service";

@Controller()
export class RatesController {
  constructor(private readonly rates: RatesService) {}

  @Get()
  index(): { service: string } {
    return { service: "parcel-rates" };
  }

  @Get("quote")
  quote(@Query("grams") grams = "100", @Query("zone") zone = "uk"): Quote {
    return this.rates.quote(Number(grams), zone);
  }
}
