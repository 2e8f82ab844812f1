import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'A container as declared in a Deployment pod template, with its requests and limits.' })
export class ContainerSpec {
  @Field({ description: 'Container name.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Image reference.' })
  image: string | null;

  @Field(() => Float, { nullable: true, description: 'CPU request, in millicores.' })
  cpuRequestMillicores: number | null;

  @Field(() => Float, { nullable: true, description: 'CPU limit, in millicores.' })
  cpuLimitMillicores: number | null;

  @Field(() => Float, { nullable: true, description: 'Memory request, in bytes.' })
  memoryRequestBytes: number | null;

  @Field(() => Float, { nullable: true, description: 'Memory limit, in bytes.' })
  memoryLimitBytes: number | null;
}
